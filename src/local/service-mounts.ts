// Every service the local backend mounts. A new service is one module exporting a ServiceFactory, listed here.
import { authService } from './auth/index.js';
import { deviceService } from './device.js';
import { functionsService } from './functions/index.js';
import { restService } from './rest/index.js';
import type { ServiceFactory } from './service-contract.js';
import { storageService } from './storage/index.js';

export const SERVICES: ServiceFactory[] = [authService, restService, storageService, functionsService, deviceService];
