#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib/core';
import { PlatformStack } from '../lib/platform-stack';

const app = new cdk.App();
new PlatformStack(app, 'PlatformStack', {
  env: { account: '123456789012', region: 'eu-west-1' },
});
