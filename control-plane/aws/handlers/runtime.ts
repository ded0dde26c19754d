/** Cold-start wiring shared by the handlers: configuration from the environment, clients created once. */
import { cloudControlPlaneDeps, cloudStepDeps, createCloudClients, type CloudClients } from '../cloud-control-plane.js';
import { loadLambdaConfig } from '../config.js';
import type { StepDeps, StepEvent, StepOutput } from '../lifecycle-steps.js';
import { createResolvers, type Resolvers } from '../../core/resolvers.js';

let clients: CloudClients | undefined;
let resolvers: Resolvers | undefined;
let steps: StepDeps | undefined;

export function apiResolvers(): Resolvers {
  if (!resolvers) {
    const config = loadLambdaConfig(process.env, { stateMachine: true, templates: true });
    clients ??= createCloudClients(config);
    resolvers = createResolvers(cloudControlPlaneDeps(config, clients));
  }
  return resolvers;
}

export function stepDeps(needs: { templates?: boolean } = {}): StepDeps {
  if (!steps) {
    const config = loadLambdaConfig(process.env, needs);
    clients ??= createCloudClients(config);
    steps = cloudStepDeps(config, clients);
  }
  return steps;
}

/** A Step Functions task handler over one plain step function. */
export function stepHandler(
  step: (deps: StepDeps, event: StepEvent) => Promise<StepOutput>,
  needs: { templates?: boolean } = {},
) {
  return (event: StepEvent): Promise<StepOutput> => step(stepDeps(needs), event);
}
