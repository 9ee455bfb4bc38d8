// @vast/provisioner/testing: the stand-in servers, wheel and git fixtures the provisioner's tests use, for the
// end-to-end suite that runs them in a sidecar container.
export { buildWheel, HF_TOKEN, makeBareRepo, startStandIn, type StandIn, type StandInOptions } from './stand-in';
