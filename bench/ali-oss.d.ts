// The parts of ali-oss 6.x (which ships no types) that the benchmark uses.
declare module 'ali-oss' {
  interface AliOssOptions {
    region: string;
    bucket: string;
    endpoint?: string;
    accessKeyId: string;
    accessKeySecret: string;
    stsToken?: string;
    authorizationV4?: boolean;
    timeout?: number;
    [option: string]: unknown;
  }
  interface AliOssResponse {
    res: { status: number; headers: Record<string, string> };
  }
  class OSS {
    constructor(options: AliOssOptions);
    putSymlink(name: string, targetName: string, options?: Record<string, unknown>): Promise<AliOssResponse>;
    // Internals of putSymlink's request path, used to sign without sending.
    _escape(name: string): string;
    _objectName(name: string): string;
    _convertMetaToHeaders(meta: unknown, headers: Record<string, string>): void;
    _objectRequestParams(method: string, name: string, options: Record<string, unknown>): Record<string, unknown>;
  }
  export default OSS;
}
