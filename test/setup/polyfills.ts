/** Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions 3 calls in every Task state. */
import '../../sandbox/polyfills';
