export declare const repoRoot: string;
export declare const defaultWorkerBundle: string;
export declare const defaultCliDir: string;
export declare function asciiOnly(code: string): string;
export declare function buildWorker(options?: { outfile?: string }): string;
export declare function buildCli(options?: { outdir?: string }): string;
