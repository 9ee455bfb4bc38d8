// The provisioning manifest: schema, `${VAR}` expansion, the environment's additions, parsing.
export * from './schema';
export * from './expand';
export * from './environment';
export * from './parse';
