import * as E from 'fp-ts/Either';
import type { Command } from '../commandHandling/command';
import type { Decider } from '../decider/decider';
import { isCommandTypeOf, unknownCommandType } from '../decider/commandType';
import type { Actor, ActorRole } from '../events/metadata';
import {
  PersonalDataBlocked,
  PersonalDataForgotten,
  PersonalDataUnblocked,
  type PersonalDataBlockedData,
  type PersonalDataForgottenData,
  type PersonalDataUnblockedData,
} from '../events/people';
import type { EventPayload, LedgerEvent } from '../events/registry';
import { formatIssues, validationIssues, type ValidationIssue } from '../events/validationIssues';
import type * as t from 'io-ts';

/*
 * What happened to one person's personal data, as the decider of the stream
 * `person-<personId>`: blocked and unblocked, depersonalised, forgotten. The three operations
 * Kazakhstan's Law 94-V names (блокирование, обезличивание, уничтожение). The stream holds only
 * these few events, so deciding is O(1) in the length of the school's history.
 */

export const personStreamId = (personId: string): string => `person-${personId}`;

export type PersonalDataStatus = 'active' | 'blocked' | 'depersonalised' | 'forgotten';

export type BlockPersonalData = Command<'BlockPersonalData', PersonalDataBlockedData>;
export type UnblockPersonalData = Command<'UnblockPersonalData', PersonalDataUnblockedData>;
export type DepersonalisePersonalData = Command<'DepersonalisePersonalData', PersonalDataForgottenData>;
export type ForgetPerson = Command<'ForgetPerson', PersonalDataForgottenData>;
export type PersonalDataCommand = BlockPersonalData | UnblockPersonalData | DepersonalisePersonalData | ForgetPerson;

export type PersonalDataState = { readonly personId: string | null; readonly status: PersonalDataStatus };

export type PersonalDataError =
  | { readonly kind: 'InvalidCommand'; readonly commandType: string; readonly issues: ReadonlyArray<ValidationIssue>; readonly message: string }
  | { readonly kind: 'NotEntitled'; readonly actor: Actor; readonly action: string; readonly resource: string; readonly message: string }
  | { readonly kind: 'ReasonRequired'; readonly action: string; readonly message: string }
  | { readonly kind: 'WrongPerson'; readonly personId: string; readonly streamPersonId: string; readonly message: string }
  | { readonly kind: 'NotPossibleInStatus'; readonly personId: string; readonly status: PersonalDataStatus; readonly action: string; readonly message: string };

export const initialPersonalDataState = (): PersonalDataState => ({ personId: null, status: 'active' });

const ACTIONS: Record<PersonalDataCommand['type'], { readonly verb: string; readonly done: string; readonly from: ReadonlyArray<PersonalDataStatus>; readonly codec: t.Type<unknown, unknown, unknown> }> = {
  BlockPersonalData: { verb: 'block', done: 'blocked', from: ['active'], codec: PersonalDataBlocked.data as t.Type<unknown, unknown, unknown> },
  UnblockPersonalData: { verb: 'unblock', done: 'unblocked', from: ['blocked'], codec: PersonalDataUnblocked.data as t.Type<unknown, unknown, unknown> },
  DepersonalisePersonalData: { verb: 'depersonalise', done: 'depersonalised', from: ['active', 'blocked'], codec: PersonalDataForgotten.data as t.Type<unknown, unknown, unknown> },
  ForgetPerson: { verb: 'forget', done: 'forgotten', from: ['active', 'blocked', 'depersonalised'], codec: PersonalDataForgotten.data as t.Type<unknown, unknown, unknown> },
};

const EVENT_OF = {
  BlockPersonalData: 'PersonalDataBlocked',
  UnblockPersonalData: 'PersonalDataUnblocked',
  DepersonalisePersonalData: 'PersonalDataDepersonalised',
  ForgetPerson: 'PersonalDataForgotten',
} as const;

/** The decider of a person's stream; `operators` are the roles that may block, depersonalise or forget (the policy's `dataOperators`). */
export const personalDataDecider = (
  operators: ReadonlyArray<ActorRole>,
): Decider<PersonalDataState, PersonalDataCommand, EventPayload, LedgerEvent, PersonalDataError> => ({
  decide: (command, state) => {
    if (!isCommandTypeOf(ACTIONS, command.type)) return E.left(unknownCommandType(command.type, Object.keys(ACTIONS)));
    const action = ACTIONS[command.type];
    const decoded = action.codec.decode(command.data);
    if (E.isLeft(decoded)) {
      const issues = validationIssues(decoded.left).map((i) => ({ ...i, path: i.path === '(root)' ? 'data' : `data.${i.path}` }));
      return E.left({ kind: 'InvalidCommand', commandType: command.type, issues, message: `${command.type}: ${formatIssues(issues)}` });
    }
    const data = decoded.right as { readonly personId: string };
    const actor = command.metadata.actor;
    if (!operators.includes(actor.role))
      return E.left({ kind: 'NotEntitled', actor, action: `${action.verb} personal data`, resource: `person ${data.personId}`, message: `${actor.role} ${actor.id} may not ${action.verb} the personal data of ${data.personId}` });
    if ((command.metadata.reason ?? '').trim() === '')
      return E.left({ kind: 'ReasonRequired', action: `${action.verb} personal data`, message: `to ${action.verb} the personal data of ${data.personId} needs a reason` });
    if (state.personId !== null && state.personId !== data.personId)
      return E.left({ kind: 'WrongPerson', personId: data.personId, streamPersonId: state.personId, message: `personId ${data.personId}: this stream is ${state.personId}'s` });
    if (!action.from.includes(state.status))
      return E.left({
        kind: 'NotPossibleInStatus',
        personId: data.personId,
        status: state.status,
        action: action.verb,
        message: `the personal data of ${data.personId} is ${state.status}: it cannot be ${action.done} now`,
      });
    return E.right([{ type: EVENT_OF[command.type], data } as EventPayload]);
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'PersonalDataBlocked':
        return { personId: event.data.personId, status: 'blocked' };
      case 'PersonalDataUnblocked':
        return { personId: event.data.personId, status: 'active' };
      case 'PersonalDataDepersonalised':
        return { personId: event.data.personId, status: 'depersonalised' };
      case 'PersonalDataForgotten':
        return { personId: event.data.personId, status: 'forgotten' };
      default:
        return state;
    }
  },
  initialState: initialPersonalDataState,
});
