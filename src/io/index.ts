// Byte-level formats (no file system): safetensors, .npy, ndarray views, images, oracle suites.
export { parseSafetensors, serializeSafetensors, FormatError } from './safetensors.js';
export { parseNpy, serializeNpy } from './npy.js';
export { toNdarray, fromNdarray } from './ndarray.js';
export { decodeImage, encodeImage, makeGrid } from './image.js';
export { checkManifest, checkCase, compareTensor, validateManifest, type OracleManifest, type OracleCase } from './oracle.js';
export { exportFromTemplate } from './oracle_export.js';
export { parsePth } from './pth.js';
export { parseKerasH5 } from './keras_h5.js';
export { loadTfjsWeights } from './tfjs_layers.js';
export { loadMl5Checkpoint } from './ml5_checkpoint.js';
