#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAME } from '../functions/core/facts.js';
import { ServerlessTaskStack } from '../lib/serverless-task-stack.js';

const app = new App();

new ServerlessTaskStack(app, DEFAULT_STACK_NAME, {
  stackName: DEFAULT_STACK_NAME,
  description: 'Serverless Task for AWS: asynchronous tasks with a registry, destinations and a payload store',
});

// cdk-nag v3 is a policy-validation plugin (not an Aspect): violations fail `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
