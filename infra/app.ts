import { App } from 'aws-cdk-lib';
import { buildApp, DeploymentContextError } from './build-app';

const app = new App();
try {
  buildApp(app);
} catch (error) {
  if (!(error instanceof DeploymentContextError)) throw error;
  // One line the CDK CLI shows as is, instead of a stack trace.
  console.error(`error: ${error.message}`);
  process.exit(1);
}
app.synth();
