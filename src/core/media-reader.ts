/**
 * The parts of mediabunny the metadata reader uses, imported statically here so the bundler
 * keeps only them (the library is tree-shakable): the ISO-BMFF and Matroska demuxers, not
 * its encoders, decoders or other formats. core/media.ts imports this module on first use.
 */
export { Input, CustomSource, MP4, QTFF, MATROSKA, WEBM } from 'mediabunny';
