/**
 * The Flow-language actions the Connect emulator runs, each with its documented parameter object,
 * error branches and conditions, and the strict check of a whole flow against them. A flow with an
 * unknown action type, an unknown or misspelt parameter, a value outside its documented set, a dynamic
 * value where the page says "must be set statically", an undocumented error branch or a dangling
 * transition is refused before it runs, so a mistake in a synthesized flow fails a test, not a real call.
 *
 * Sources: the Amazon Connect API Reference, "Flow language" chapter (flow-language-concepts,
 * flow-language-example: Version 2019-10-30, StartAction, Metadata, at most 250 Actions), and one page
 * per action, named beside each entry below.
 */
import { dynamicRoot, FLOW_DATA_ROOTS } from './flow-data';

/** A value spec: what one parameter may hold. */
export type ValueSpec =
  | { kind: 'string'; values?: readonly string[]; statik?: boolean; pattern?: RegExp; what?: string }
  | { kind: 'object'; fields: Record<string, FieldSpec>; rule?: (value: Record<string, unknown>, path: string) => string[] }
  /** A map with free keys and string values (attributes), keys and values static or dynamic. */
  | { kind: 'string-map' }
  | { kind: 'array'; items: ValueSpec; unique?: boolean };

export interface FieldSpec {
  spec: ValueSpec;
  required?: boolean;
}

export type ConditionRule =
  /** No Conditions may be given. */
  | 'none'
  /** GetParticipantInput without StoreInput: Equals on one static character 0-9 * #. */
  | 'single-key'
  /** Compare: the documented comparison operators on static operands. */
  | 'compare'
  /** Loop: exactly Equals ContinueLooping and Equals DoneLooping. */
  | 'loop';

export interface ActionSpec {
  /** The API Reference page that documents the action. */
  page: string;
  parameters: Record<string, FieldSpec>;
  /** Error types the action may route; `required` ones must be present. */
  errors: { allowed: readonly string[]; required?: readonly string[] };
  conditions: ConditionRule;
  /** Rules across parameters that the page states in prose. */
  rule?: (p: Record<string, unknown>) => string[];
  /** Whether the action ends the flow (no NextAction). */
  terminal?: boolean;
}

const str = (extra: Omit<Extract<ValueSpec, { kind: 'string' }>, 'kind'> = {}): ValueSpec => ({ kind: 'string', ...extra });
const bool = (): ValueSpec => str({ values: ['True', 'False'], statik: true });
const opt = (spec: ValueSpec): FieldSpec => ({ spec });
const req = (spec: ValueSpec): FieldSpec => ({ spec, required: true });
const INT = /^[0-9]+$/;

/** A value is dynamic when it is a single JSONPath identifier into the flow data. */
export const isDynamic = (value: string): boolean => /^\$\.[A-Za-z0-9_.]+$/.test(value);

const promptFields: Record<string, FieldSpec> = {
  PromptId: opt(str()),
  Text: opt(str()),
  SSML: opt(str()),
  Media: opt({ kind: 'object', fields: { Uri: req(str()), SourceType: req(str({ values: ['S3'] })), MediaType: req(str({ values: ['Audio'] })) } }),
};

function onePrompt(p: Record<string, unknown>, required: boolean): string[] {
  const given = ['PromptId', 'Text', 'SSML', 'Media'].filter((k) => p[k] !== undefined);
  if (given.length > 1) return [`only one of PromptId, Text, SSML and Media may be given (found ${given.join(', ')})`];
  if (required && given.length === 0) return ['a prompt (PromptId, Text, SSML or Media) is required'];
  return [];
}

/**
 * GetParticipantInput (participant-actions-getparticipantinput). Besides collecting input it is the
 * "Set Touchtone Buffer Behavior" block (set-touchtone-buffer-behavior): `EnableDTMFBuffer` "True"
 * starts type-ahead buffering, "False" stops it and clears the buffer; such an action carries no prompt.
 */
const getParticipantInput: ActionSpec = {
  page: 'participant-actions-getparticipantinput',
  parameters: {
    ...promptFields,
    InputTimeLimitSeconds: opt(str({ statik: true, pattern: INT, what: 'a whole number of seconds' })),
    StoreInput: opt(bool()),
    InputValidation: opt({
      kind: 'object',
      fields: {
        PhoneNumberValidation: opt({
          kind: 'object',
          fields: { NumberFormat: req(str({ values: ['Local', 'E164'], statik: true })), CountryCode: opt(str({ statik: true, pattern: /^[A-Z]{2}$/ })) },
        }),
        CustomValidation: opt({ kind: 'object', fields: { MaximumLength: req(str({ statik: true, pattern: INT, what: 'a whole number' })) } }),
      },
      rule: (v, path) =>
        v.PhoneNumberValidation !== undefined && v.CustomValidation !== undefined
          ? [`${path}: PhoneNumberValidation and CustomValidation exclude each other`]
          : v.PhoneNumberValidation === undefined && v.CustomValidation === undefined
            ? [`${path}: one of PhoneNumberValidation or CustomValidation is required`]
            : [],
    }),
    InputEncryption: opt({ kind: 'object', fields: { EncryptionKeyId: req(str()), Key: req(str()) } }),
    DTMFConfiguration: opt({
      kind: 'object',
      fields: {
        InputTerminationSequence: opt(str({ pattern: /^[0-9#*]{1,5}$/, statik: true, what: 'up to five keys' })),
        DisableCancelKey: opt(bool()),
        InterdigitTimeLimitSeconds: opt(str({ statik: true, pattern: INT, what: 'a whole number of seconds' })),
      },
    }),
    EnableDTMFBuffer: opt(bool()),
  },
  errors: { allowed: ['NoMatchingError', 'NoMatchingCondition', 'InvalidPhoneNumber'], required: ['NoMatchingError'] },
  conditions: 'single-key',
  rule: (p) => {
    const problems: string[] = [];
    if (p.EnableDTMFBuffer !== undefined) {
      const extra = Object.keys(p).filter((k) => k !== 'EnableDTMFBuffer');
      if (extra.length > 0) problems.push(`a touchtone buffer action (EnableDTMFBuffer) takes no other parameter (found ${extra.join(', ')})`);
      return problems;
    }
    problems.push(...onePrompt(p, false));
    if (p.InputTimeLimitSeconds === undefined) problems.push('InputTimeLimitSeconds is required');
    else if (Number(p.InputTimeLimitSeconds) <= 0) problems.push('InputTimeLimitSeconds must be larger than zero');
    const store = p.StoreInput === 'True';
    if (store && p.InputValidation === undefined) problems.push('InputValidation is required when StoreInput is True');
    if (!store && p.InputValidation !== undefined) problems.push('InputValidation may only be given when StoreInput is True');
    const validation = p.InputValidation as Record<string, unknown> | undefined;
    if (p.InputEncryption !== undefined && validation?.CustomValidation === undefined) problems.push('InputEncryption may only be given with CustomValidation');
    return problems;
  },
};

export const ACTIONS: Record<string, ActionSpec> = {
  GetParticipantInput: getParticipantInput,
  /** participant-actions-messageparticipant */
  MessageParticipant: {
    page: 'participant-actions-messageparticipant',
    parameters: promptFields,
    errors: { allowed: ['NoMatchingError'] },
    conditions: 'none',
    rule: (p) => onePrompt(p, true),
  },
  /** participant-actions-disconnectparticipant: no parameters, no results, ends the participant's flow. */
  DisconnectParticipant: { page: 'participant-actions-disconnectparticipant', parameters: {}, errors: { allowed: [] }, conditions: 'none', terminal: true },
  /** flow-control-actions-endflowexecution */
  EndFlowExecution: { page: 'flow-control-actions-endflowexecution', parameters: {}, errors: { allowed: [] }, conditions: 'none', terminal: true },
  /** contact-actions-updatepreviouscontactparticipantstate (UI: Hold customer or agent) */
  UpdatePreviousContactParticipantState: {
    page: 'contact-actions-updatepreviouscontactparticipantstate',
    parameters: { PreviousContactParticipantState: req(str({ values: ['AgentOnHold', 'CustomerOnHold', 'OffHold'] })) },
    errors: { allowed: ['NoMatchingError'] },
    conditions: 'none',
  },
  /**
   * contact-actions-updatecontactrecordingbehavior (UI: Set recording and analytics behavior). The page
   * lists no errors; the emulator also accepts a NoMatchingError branch, which it takes when a fault
   * makes the change fail, so a flow can route a failed suspension away from every card prompt.
   */
  UpdateContactRecordingBehavior: {
    page: 'contact-actions-updatecontactrecordingbehavior',
    parameters: {
      RecordingBehavior: req({
        kind: 'object',
        fields: {
          RecordedParticipants: req({ kind: 'array', unique: true, items: str({ values: ['Agent', 'Customer'], statik: true }) }),
          ScreenRecordedParticipants: opt({ kind: 'array', unique: true, items: str({ values: ['Agent'], statik: true }) }),
          IVRRecordingBehavior: opt(str({ values: ['Enabled', 'Disabled'], statik: true })),
        },
      }),
      AnalyticsBehavior: opt({
        kind: 'object',
        fields: {
          Enabled: req(bool()),
          AnalyticsLanguage: opt(str({ statik: true })),
          AnalyticsRedactionBehavior: opt(str({ values: ['Enabled', 'Disabled'] })),
          AnalyticsRedactionResults: opt(str({ values: ['RedactedAndOriginal', 'RedactedOnly'] })),
        },
      }),
    },
    errors: { allowed: ['NoMatchingError'] },
    conditions: 'none',
    rule: (p) => {
      const recorded = ((p.RecordingBehavior as Record<string, unknown> | undefined)?.RecordedParticipants ?? []) as string[];
      return p.AnalyticsBehavior !== undefined && !(recorded.includes('Agent') && recorded.includes('Customer'))
        ? ['AnalyticsBehavior needs RecordedParticipants to hold both Agent and Customer']
        : [];
    },
  },
  /** contact-actions-updatecontactmediastreamingbehavior (UI: Start / Stop media streaming) */
  UpdateContactMediaStreamingBehavior: {
    page: 'contact-actions-updatecontactmediastreamingbehavior',
    parameters: {
      MediaStreamingState: req(str({ values: ['Enabled', 'Disabled'], statik: true })),
      Participants: req({
        kind: 'array',
        items: {
          kind: 'object',
          fields: {
            ParticipantType: req(str({ values: ['Customer'], statik: true })),
            MediaDirections: req({ kind: 'array', unique: true, items: str({ values: ['From', 'To'], statik: true }) }),
          },
        },
      }),
      MediaStreamType: req(str({ values: ['Audio'], statik: true })),
    },
    errors: { allowed: ['NoMatchingError'] },
    conditions: 'none',
  },
  /** contact-actions-updateflowloggingbehavior (UI: Set logging behavior) */
  UpdateFlowLoggingBehavior: {
    page: 'contact-actions-updateflowloggingbehavior',
    parameters: { FlowLoggingBehavior: req(str({ values: ['Enabled', 'Disabled'], statik: true })) },
    errors: { allowed: [] },
    conditions: 'none',
  },
  /** contact-actions-updatecontactattributes (UI: Set contact attributes) */
  UpdateContactAttributes: {
    page: 'contact-actions-updatecontactattributes',
    parameters: { Attributes: req({ kind: 'string-map' }) },
    errors: { allowed: ['NoMatchingError'] },
    conditions: 'none',
  },
  /**
   * contact-actions-updatecontacttexttospeechvoice (UI: Set voice): the current page lets voice and
   * engine be dynamic, adds TextToSpeechStyle, and requires the NoMatchingError branch (an invalid voice
   * or engine is an error).
   */
  UpdateContactTextToSpeechVoice: {
    page: 'contact-actions-updatecontacttexttospeechvoice',
    parameters: {
      TextToSpeechVoice: req(str()),
      TextToSpeechEngine: opt(str({ pattern: /^(standard|neural|generative|long-form)$/i, what: 'a Polly engine (standard, neural, generative, long-form)' })),
      TextToSpeechStyle: opt(str({ values: ['None', 'Conversational', 'Newscaster'] })),
    },
    errors: { allowed: ['NoMatchingError'], required: ['NoMatchingError'] },
    conditions: 'none',
  },
  /** interactions-invokelambdafunction (UI: Invoke AWS Lambda function) */
  InvokeLambdaFunction: {
    page: 'interactions-invokelambdafunction',
    parameters: {
      LambdaFunctionARN: req(str()),
      InvocationTimeLimitSeconds: req(str({ statik: true, values: ['1', '2', '3', '4', '5', '6', '7', '8'] })),
      InvocationType: opt(str({ values: ['SYNCHRONOUS', 'ASYNCHRONOUS'] })),
      LambdaInvocationAttributes: opt({ kind: 'string-map' }),
      ResponseValidation: opt({ kind: 'object', fields: { ResponseType: req(str({ values: ['STRING_MAP', 'JSON'], statik: true })) } }),
    },
    errors: { allowed: ['NoMatchingError'], required: ['NoMatchingError'] },
    conditions: 'none',
  },
  /** flow-control-actions-compare (UI: Check contact attributes) */
  Compare: {
    page: 'flow-control-actions-compare',
    parameters: { ComparisonValue: req(str({ pattern: /^\$\.[A-Za-z0-9_.]+$/, what: 'a single JSONPath identifier' })) },
    errors: { allowed: ['NoMatchingCondition'], required: ['NoMatchingCondition'] },
    conditions: 'compare',
  },
  /** flow-control-actions-loop (UI: Loop) */
  Loop: {
    page: 'flow-control-actions-loop',
    parameters: { LoopCount: req(str({ pattern: /^(\d+|\$\.[A-Za-z0-9_.]+)$/, what: '0 to 100, or one JSONPath identifier' })) },
    errors: { allowed: [] },
    conditions: 'loop',
    rule: (p) => (typeof p.LoopCount === 'string' && !isDynamic(p.LoopCount) && Number(p.LoopCount) > 100 ? ['LoopCount must be between 0 and 100'] : []),
  },
};

export const COMPARE_OPERATORS = [
  'Equals',
  'NumberGreaterThan',
  'NumberLessThan',
  'NumberGreaterOrEqualTo',
  'NumberLessOrEqualTo',
  'TextContains',
  'TextStartsWith',
  'TextEndsWith',
] as const;

export interface FlowAction {
  Identifier: string;
  Type: string;
  Parameters: Record<string, unknown>;
  Transitions: {
    NextAction?: string;
    Errors?: Array<{ NextAction: string; ErrorType: string }>;
    Conditions?: Array<{ NextAction: string; Condition: { Operator: string; Operands: string[] } }>;
  };
}

export interface FlowDocument {
  Version: '2019-10-30';
  StartAction: string;
  Metadata?: Record<string, unknown>;
  Actions: FlowAction[];
}

/** The flow breaks the Flow language or uses what the emulator does not run; lists every problem. */
export class FlowValidationError extends Error {
  public constructor(public readonly problems: string[]) {
    super(`The flow is not valid Flow language for the emulator: ${problems.join('; ')}`);
    this.name = 'FlowValidationError';
  }
}

/** Documented limits (flow-language-example; AWS::Connect::ContactFlow Content). */
export const MAX_ACTIONS = 250;
export const MAX_CONTENT_CHARS = 256_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A dynamic value must read from flow data the emulator (and Connect) has. */
function checkRoot(value: string, path: string, problems: string[]): void {
  const root = isDynamic(value) ? dynamicRoot(value) : undefined;
  if (root !== undefined && !(FLOW_DATA_ROOTS as readonly string[]).includes(root)) problems.push(`${path} reads $.${root}, which is not flow data`);
}

function checkValue(spec: ValueSpec, value: unknown, path: string, problems: string[]): void {
  switch (spec.kind) {
    case 'string': {
      if (typeof value !== 'string') {
        problems.push(`${path} must be a string`);
        return;
      }
      const dynamic = isDynamic(value);
      if (dynamic && spec.statik) problems.push(`${path} must be set statically`);
      checkRoot(value, path, problems);
      if (!dynamic && spec.values && !spec.values.includes(value)) problems.push(`${path} must be one of ${spec.values.join(', ')}`);
      if (!dynamic && spec.pattern && !spec.pattern.test(value)) problems.push(`${path} must be ${spec.what ?? `like ${spec.pattern.source}`}`);
      return;
    }
    case 'string-map': {
      if (!isRecord(value)) {
        problems.push(`${path} must be an object of strings`);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') problems.push(`${path}.${k} must be a string`);
        else checkRoot(v, `${path}.${k}`, problems);
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        problems.push(`${path} must be a list`);
        return;
      }
      value.forEach((item, i) => checkValue(spec.items, item, `${path}[${i}]`, problems));
      if (spec.unique && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) problems.push(`${path} lists an entry twice`);
      return;
    }
    case 'object': {
      if (!isRecord(value)) {
        problems.push(`${path} must be an object`);
        return;
      }
      checkFields(spec.fields, value, path, problems);
      if (spec.rule) problems.push(...spec.rule(value, path));
      return;
    }
  }
}

function checkFields(fields: Record<string, FieldSpec>, value: Record<string, unknown>, path: string, problems: string[]): void {
  for (const key of Object.keys(value)) if (!(key in fields)) problems.push(`${path}.${key} is not a documented parameter`);
  for (const [key, field] of Object.entries(fields)) {
    if (value[key] === undefined) {
      if (field.required) problems.push(`${path}.${key} is required`);
      continue;
    }
    checkValue(field.spec, value[key], `${path}.${key}`, problems);
  }
}

function checkConditions(action: FlowAction, rule: ConditionRule, where: string, problems: string[]): void {
  const conditions = action.Transitions.Conditions ?? [];
  const storing = action.Type === 'GetParticipantInput' && (action.Parameters.StoreInput === 'True' || action.Parameters.EnableDTMFBuffer !== undefined);
  if (rule === 'none' || storing) {
    if (conditions.length > 0) problems.push(`${where}: conditions are not supported here`);
    return;
  }
  for (const [i, c] of conditions.entries()) {
    const at = `${where}.Conditions[${i}]`;
    if (!isRecord(c) || !isRecord(c.Condition) || typeof c.NextAction !== 'string') {
      problems.push(`${at} must have NextAction and Condition {Operator, Operands}`);
      continue;
    }
    const extra = Object.keys(c).filter((k) => k !== 'NextAction' && k !== 'Condition');
    if (extra.length > 0) problems.push(`${at}: unknown keys ${extra.join(', ')}`);
    const { Operator, Operands } = c.Condition as { Operator?: unknown; Operands?: unknown };
    if (!Array.isArray(Operands) || Operands.length !== 1 || typeof Operands[0] !== 'string') {
      problems.push(`${at}: Operands must be one string`);
      continue;
    }
    const operand = Operands[0] as string;
    if (rule === 'single-key') {
      if (Operator !== 'Equals') problems.push(`${at}: only Equals may be used`);
      if (!/^[0-9*#]$/.test(operand)) problems.push(`${at}: the operand must be one static key 0-9, * or #`);
    } else if (rule === 'loop') {
      if (Operator !== 'Equals' || (operand !== 'ContinueLooping' && operand !== 'DoneLooping'))
        problems.push(`${at}: Loop takes only Equals ContinueLooping and Equals DoneLooping`);
    } else if (!(COMPARE_OPERATORS as readonly string[]).includes(String(Operator))) {
      problems.push(`${at}: unknown operator`);
    } else if (isDynamic(operand)) problems.push(`${at}: operands must be static`);
  }
  if (rule === 'loop') {
    const operands = conditions.map((c) => c.Condition?.Operands?.[0]).sort();
    if (JSON.stringify(operands) !== JSON.stringify(['ContinueLooping', 'DoneLooping']))
      problems.push(`${where}: Loop needs exactly one ContinueLooping and one DoneLooping condition`);
  }
}

/** Checks a flow document (object or JSON text) against the catalog; returns it typed or throws. */
export function validateFlow(input: unknown): FlowDocument {
  const problems: string[] = [];
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_CONTENT_CHARS) problems.push(`the flow content is ${input.length} characters; the limit is ${MAX_CONTENT_CHARS}`);
    try {
      doc = JSON.parse(input);
    } catch {
      throw new FlowValidationError([...problems, 'the flow content is not JSON']);
    }
  } else if (JSON.stringify(input).length > MAX_CONTENT_CHARS) problems.push(`the flow content is over ${MAX_CONTENT_CHARS} characters`);
  if (!isRecord(doc)) throw new FlowValidationError(['the flow must be a JSON object']);
  for (const key of Object.keys(doc)) if (!['Version', 'StartAction', 'Metadata', 'Actions'].includes(key)) problems.push(`${key} is not a flow field`);
  if (doc.Version !== '2019-10-30') problems.push('Version must be 2019-10-30');
  if (!Array.isArray(doc.Actions) || doc.Actions.length === 0) throw new FlowValidationError([...problems, 'Actions must be a non-empty list']);
  if (doc.Actions.length > MAX_ACTIONS) problems.push(`a flow may hold at most ${MAX_ACTIONS} actions`);
  const ids = new Set<string>();
  for (const a of doc.Actions as unknown[]) {
    if (isRecord(a) && typeof a.Identifier === 'string') {
      if (ids.has(a.Identifier)) problems.push(`action ${a.Identifier} is defined twice`);
      ids.add(a.Identifier);
    }
  }
  if (typeof doc.StartAction !== 'string' || !ids.has(doc.StartAction)) problems.push('StartAction must name an action of the flow');
  const target = (id: unknown, where: string): void => {
    if (typeof id !== 'string' || !ids.has(id)) problems.push(`${where} leads to an action the flow does not define`);
  };
  (doc.Actions as unknown[]).forEach((raw, index) => {
    if (!isRecord(raw) || typeof raw.Identifier !== 'string' || typeof raw.Type !== 'string') {
      problems.push(`Actions[${index}] must have an Identifier and a Type`);
      return;
    }
    const where = `action ${raw.Identifier} (${raw.Type})`;
    for (const key of Object.keys(raw))
      if (!['Identifier', 'Type', 'Parameters', 'Transitions'].includes(key)) problems.push(`${where}: ${key} is not an action field`);
    const spec = ACTIONS[raw.Type];
    if (!spec) {
      problems.push(`${where}: unknown action type ${raw.Type}`);
      return;
    }
    const params = raw.Parameters ?? {};
    if (!isRecord(params)) problems.push(`${where}: Parameters must be an object`);
    else {
      checkFields(spec.parameters, params, `${where} Parameters`, problems);
      if (spec.rule) problems.push(...spec.rule(params).map((p) => `${where}: ${p}`));
    }
    const transitions = raw.Transitions ?? {};
    if (!isRecord(transitions)) {
      problems.push(`${where}: Transitions must be an object`);
      return;
    }
    for (const key of Object.keys(transitions))
      if (!['NextAction', 'Errors', 'Conditions'].includes(key)) problems.push(`${where}: Transitions.${key} is not a transition field`);
    const action = { ...(raw as unknown as FlowAction), Parameters: isRecord(params) ? params : {}, Transitions: transitions as FlowAction['Transitions'] };
    if (spec.terminal) {
      if (transitions.NextAction !== undefined || (Array.isArray(transitions.Errors) && transitions.Errors.length > 0))
        problems.push(`${where}: ends the flow and takes no transitions`);
    } else if (transitions.NextAction !== undefined) target(transitions.NextAction, `${where} NextAction`);
    else if (spec.conditions !== 'loop' && spec.conditions !== 'compare') problems.push(`${where}: NextAction is required`);
    const errors = transitions.Errors ?? [];
    if (!Array.isArray(errors)) problems.push(`${where}: Transitions.Errors must be a list`);
    else {
      const types = errors.map((e) => (isRecord(e) ? e.ErrorType : undefined));
      errors.forEach((e, i) => {
        if (!isRecord(e) || typeof e.ErrorType !== 'string') return problems.push(`${where}: Errors[${i}] must have an ErrorType`);
        if (!spec.errors.allowed.includes(e.ErrorType)) problems.push(`${where}: error branch ${e.ErrorType} is not documented for ${raw.Type}`);
        target(e.NextAction, `${where} error ${e.ErrorType}`);
        return undefined;
      });
      if (new Set(types).size !== types.length) problems.push(`${where}: an error type is routed twice`);
      for (const needed of spec.errors.required ?? []) {
        // NoMatchingCondition is only required where conditions can be used.
        if (needed === 'NoMatchingCondition' && (action.Transitions.Conditions ?? []).length === 0 && raw.Type !== 'Compare') continue;
        if (!types.includes(needed)) problems.push(`${where}: the ${needed} branch must be defined`);
      }
      if (raw.Type === 'GetParticipantInput') {
        const given = action.Parameters;
        const storing = given.StoreInput === 'True';
        if (types.includes('NoMatchingCondition') && storing) problems.push(`${where}: NoMatchingCondition only applies when StoreInput is not True`);
        const phone = isRecord(given.InputValidation) && given.InputValidation.PhoneNumberValidation !== undefined;
        if (types.includes('InvalidPhoneNumber') && !(storing && phone))
          problems.push(`${where}: InvalidPhoneNumber only applies to stored input with PhoneNumberValidation`);
      }
    }
    const conditions = transitions.Conditions ?? [];
    if (!Array.isArray(conditions)) problems.push(`${where}: Transitions.Conditions must be a list`);
    else {
      checkConditions(action, spec.conditions, where, problems);
      conditions.forEach((c, i) => target(isRecord(c) ? c.NextAction : undefined, `${where} condition ${i}`));
    }
  });
  if (problems.length > 0) throw new FlowValidationError(problems);
  return doc as unknown as FlowDocument;
}
