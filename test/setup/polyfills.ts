/** Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions 3 calls in every Task state. */
import '../../sandbox/polyfills';

// The AWS SDK's notice about Node 20 is known (Lambda runs Node 22); keep test output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
