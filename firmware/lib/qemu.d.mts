export interface QemuForward { proto: string; host: number; guest: number }
export declare const DEFAULT_FORWARDS: QemuForward[];
export declare function qemuArgs(
  board: Record<string, any>,
  o: { image: string; kernel?: string; initrd?: string; append?: string; forwards?: QemuForward[]; serial?: 'stdio' | 'mon'; snapshot?: boolean; memoryMiB?: number; noReboot?: boolean; rescue?: boolean },
): { binary: string; args: string[] };
