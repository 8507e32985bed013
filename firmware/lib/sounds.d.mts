export declare function linearToUlaw(sample: number): number;
export declare function wavToUlaw(buf: Uint8Array, name?: string): Uint8Array;
export declare function convertTree(src: string, dst: string, keep?: (rel: string) => boolean): { files: number; bytesIn: number; bytesOut: number };
