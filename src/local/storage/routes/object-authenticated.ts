// GET /storage/v1/object/authenticated/:bucket/*
// HEAD /storage/v1/object/authenticated/:bucket/*
//
// Download as the caller, as GET /object/:bucket/* (HEAD: the headers only).
import { param, type StorageContext, type StorageRequest } from '../context.js';
import { downloadAsCaller } from '../download.js';

export async function downloadAuthenticatedObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  await downloadAsCaller(ctx, request, request.caller(), param(request, 'bucket'), param(request, '*'), request.method === 'HEAD');
}
