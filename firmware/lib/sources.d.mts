export interface SourceEntry { uri: string; suite: string; components: string[] }
export declare function parseSources(text: string, deb822: boolean): SourceEntry[];
export declare function mirrorsFor(entries: SourceEntry[], suite: string): string[];
export declare function hostMirrors(suite: string, etc?: string): string[];
