export declare const TYPES_FILE: string;
export declare function generateDatabaseTypes(url: string): Promise<string>;
