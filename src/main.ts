// Entry point of dist/pbx.mjs. Wiring only.
declare const PBX_VERSION: string;
console.log(`pbx ${typeof PBX_VERSION === 'string' ? PBX_VERSION : 'dev'}`);
