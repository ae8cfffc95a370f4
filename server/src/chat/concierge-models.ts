// The chat model a conversation talks to, from the one chosen at start-up (chooseChatModel): an
// OpenAI-compatible model is shared by every account; the offline model resolves names in one
// account's store, so each account gets its own, built on first use (its catalog index takes
// ~100 ms) and kept for the next turn. Every chat-exported tool is bound: the user's scope is checked
// per call, so a tool outside it answers `forbidden` naming the scope instead of going unnoticed.
import type { AnyOperation } from "@nodepilot/core";
import {
  type ChosenModel,
  type ConciergeModel,
  chatTools,
  OfflineChatModel,
  type OfflineChatModelOptions,
  storeResolver,
} from "@nodepilot/graphs";
import type { DbOrTx } from "@nodepilot/store";

const KEEP_ACCOUNTS = 64;

type BaseChatModel = ChosenModel["model"];

interface AccountModels {
  bound: ConciergeModel;
  plain: BaseChatModel;
}

export class ConciergeModels {
  /** What `messageMetadata.model` says: "offline" or the configured model's name. */
  readonly name: string;
  private readonly byAccount = new Map<string, AccountModels>();
  private readonly tools;
  private shared: AccountModels | undefined;

  constructor(
    private readonly chosen: ChosenModel,
    private readonly offline: { operations: readonly AnyOperation[]; db: DbOrTx } & Pick<
      OfflineChatModelOptions,
      "vocabulary"
    >,
  ) {
    this.name = chosen.kind === "offline" ? "offline" : chosen.name;
    this.tools = chatTools(offline.operations);
  }

  private models(accountId: string): AccountModels {
    if (this.chosen.kind !== "offline") {
      this.shared ??= { bound: this.bind(this.chosen.model), plain: this.chosen.model };
      return this.shared;
    }
    const hit = this.byAccount.get(accountId);
    if (hit) {
      // Most recently used last, so the oldest is the one to drop.
      this.byAccount.delete(accountId);
      this.byAccount.set(accountId, hit);
      return hit;
    }
    const plain = new OfflineChatModel({
      operations: this.offline.operations,
      resolver: storeResolver(this.offline.db, accountId),
      ...(this.offline.vocabulary ? { vocabulary: this.offline.vocabulary } : {}),
    });
    const made = { bound: this.bind(plain), plain };
    this.byAccount.set(accountId, made);
    if (this.byAccount.size > KEEP_ACCOUNTS) this.byAccount.delete(this.byAccount.keys().next().value as string);
    return made;
  }

  private bind(model: BaseChatModel): ConciergeModel {
    if (!model.bindTools) throw new Error(`chat model ${this.name} cannot bind tools`);
    return model.bindTools(this.tools) as unknown as ConciergeModel;
  }

  /** The model of a turn, with the catalog's tools bound. */
  forTurn(accountId: string): ConciergeModel {
    return this.models(accountId).bound;
  }

  /** The model without tools: it answers a result that arrived later, and calls nothing. */
  forAnswer(accountId: string): BaseChatModel {
    return this.models(accountId).plain;
  }
}
