export declare const SAFE_REQUEST_ID: RegExp
export declare const SECURITY_HEADERS: Record<string, string>
export declare function requestSeries(): (route: string, status: number, seconds: number) => void
export declare function tokenCheck(secret: string): (token: string) => { sub: number; sid: string; exp: number } | undefined
/** The lookup's row in the product's column order (bench/ceiling.ts). */
export type LookupRow = [number, string, string, string, number, number, number, number | null, number, string, string, number | null]
export declare function meBody(row: LookupRow, role: string, permissions: readonly string[]): unknown
export declare const iso: (ms: number | null) => string | null
