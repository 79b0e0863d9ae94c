/**
 * libfdt's view of a blob, split as libfdt is: the header (fdt_check_header),
 * the strings block, the struct-block tokens and their offsets, read calls
 * (fdt_ro), the editor (fdt_rw, fdt_wip, fdt_pack) and its error codes.
 */
export { align4, be32, latin1, latin1Bytes, setBe32 } from './bytes.js';
export { libfdtError } from './libfdt-error.js';
export { HEADER_SIZE, type FdtHeader, memRsvSize, probeHeader, readHeader } from './header.js';
export { stringResolver } from './strings.js';
export { type Entry, type NodeEntry, type NopEntry, type PropEntry, allNodes, propLen, propValue, subnodes, visibleProps } from './struct-tokens.js';
export { type ParsedStruct, parseReadOnly, parseStruct } from './struct-parse.js';
export { cString, findSubnode, getProp, getPropStrict, nodePhandle, pathLookup } from './lookup.js';
export { BlobEditor } from './editor.js';
