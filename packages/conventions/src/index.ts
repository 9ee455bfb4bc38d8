// @vast/conventions: the rules of the image family as pure functions. No fs, env, clock or docker here.
export * from './schema';
export * from './graph';
export * from './text';
export * from './supervisor';
export * from './boot-env';
export * from './dockerfile';
export * from './context';
export * from './build-plan';
export * from './lint';
export * from './portal-config';
export * from './tags';
export * from './image-source';
export * from './provisioning';
export * from './image-projects';
