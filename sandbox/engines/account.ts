/**
 * Local stand-ins for the account-level AWS APIs that `secure-ivr doctor` reads, so every check runs
 * against the real SDK clients (through AWS_ENDPOINT_URL_* or an explicit endpoint):
 * - STS GetCallerIdentity and CloudFormation DescribeStacks (awsQuery: form-encoded requests, XML replies);
 * - SSM GetParameter (AWS JSON 1.1, on the shared JSON engine) for the CDK bootstrap version parameter.
 * The account state is plain data that tests set up (a bootstrapped account, a stack in ROLLBACK state, no
 * credentials…); `faults` make the next calls of an operation fail with an AWS error code.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsServiceError, closeServer, requiredString, startAwsJsonServer } from './aws-json-server';
import { FaultPlan, OperationCounter } from './request-counter';

export interface LocalStack {
  status: string;
  outputs: Record<string, string>;
}

export interface AccountState {
  account: string;
  /** The caller's ARN; undefined means the credentials are refused (InvalidClientTokenId). */
  callerArn: string | undefined;
  stacks: Map<string, LocalStack>;
  parameters: Map<string, string>;
}

/** Make the next `count` calls of an operation (`sts:GetCallerIdentity`, `ssm:GetParameter`…) fail. */
export interface AccountFaults {
  injectFault(operation: string, count: number, errorType: string): void;
  clearFaults(): void;
}

export interface AccountEndpoints {
  /** STS and CloudFormation (both awsQuery) share this endpoint. */
  queryEndpoint: string;
  ssmEndpoint: string;
  state: AccountState;
  /** Faults for `sts:GetCallerIdentity`, `cloudformation:DescribeStacks` and `ssm:GetParameter`. */
  faults: AccountFaults;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

const xmlEscape = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xmlReply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID() });
  res.end(body);
}

function queryError(res: ServerResponse, status: number, code: string, message: string): void {
  xmlReply(
    res,
    status,
    `<ErrorResponse><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startAccountEndpoints(initial: Partial<AccountState> = {}): Promise<AccountEndpoints> {
  const state: AccountState = {
    account: initial.account ?? '123456789012',
    callerArn: 'callerArn' in initial ? initial.callerArn : `arn:aws:iam::${initial.account ?? '123456789012'}:user/deployer`,
    stacks: initial.stacks ?? new Map(),
    parameters: initial.parameters ?? new Map(),
  };
  const faults = new FaultPlan('sts');
  const counter = new OperationCounter();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = await formBody(req);
    const action = form.get('Action') ?? '';
    const service = action === 'GetCallerIdentity' ? 'sts' : 'cloudformation';
    const operation = `${service}:${action}`;
    counter.add(operation);
    const injected = faults.take(operation);
    if (injected !== undefined) {
      queryError(res, injected.includes('Throttl') ? 400 : 403, injected, 'Injected fault from the local endpoint.');
      return;
    }
    if (action === 'GetCallerIdentity') {
      if (state.callerArn === undefined) {
        queryError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
        return;
      }
      xmlReply(
        res,
        200,
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${xmlEscape(state.callerArn)}</Arn><UserId>AIDALOCALUSER</UserId><Account>${state.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
      return;
    }
    if (action === 'DescribeStacks') {
      const name = form.get('StackName') ?? '';
      const stack = state.stacks.get(name);
      if (!stack) {
        queryError(res, 400, 'ValidationError', `Stack with id ${name} does not exist`);
        return;
      }
      const outputs = Object.entries(stack.outputs)
        .map(([k, v]) => `<member><OutputKey>${xmlEscape(k)}</OutputKey><OutputValue>${xmlEscape(v)}</OutputValue></member>`)
        .join('');
      xmlReply(
        res,
        200,
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${xmlEscape(name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:${state.account}:stack/${xmlEscape(name)}/${randomUUID()}</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>${xmlEscape(stack.status)}</StackStatus><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
      return;
    }
    queryError(res, 400, 'InvalidAction', 'The action is not served by the local endpoint.');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) queryError(res, 500, 'InternalFailure', 'The local endpoint failed to serve the request.');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const ssm = await startAwsJsonServer({
    service: 'ssm',
    targetPrefix: 'AmazonSSM',
    jsonVersion: '1.1',
    operations: {
      GetParameter: (body) => {
        const name = requiredString(body, 'Name');
        const value = state.parameters.get(name);
        if (value === undefined) throw new AwsServiceError('ParameterNotFound', 'The parameter does not exist.');
        return { Parameter: { Name: name, Type: 'String', Value: value, Version: 1, DataType: 'text' } };
      },
    },
  });

  return {
    queryEndpoint: `http://127.0.0.1:${port}`,
    ssmEndpoint: ssm.endpoint,
    state,
    faults: {
      injectFault: (operation, count, errorType) => (operation.startsWith('ssm:') ? ssm.faults : faults).injectFault(operation, count, errorType),
      clearFaults: () => {
        faults.clearFaults();
        ssm.faults.clearFaults();
      },
    },
    counts: () => ({ ...counter.counts(), ...ssm.counter.counts() }),
    close: async () => {
      await Promise.all([closeServer(server), ssm.close()]);
    },
  };
}
