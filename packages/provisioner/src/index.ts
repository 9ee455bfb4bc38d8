// @vast/provisioner: runs a provisioning manifest. The CLI is main.ts; tests drive provision() directly.
export { provision, EXIT_OK, EXIT_FAILED, EXIT_CONFIG_REFUSED, type ProvisionerOptions } from './run';
export { Logger } from './log';
