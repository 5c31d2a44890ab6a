import { createHash, randomUUID } from "node:crypto"
import { Clock, Effect, Option, Schema } from "effect"
import {
  customersByEmailView, Inputs, inviteHandler, InviteCustomer, OpenWallet, Credit, Debit, walletHandler, walletsView,
  type Envelope
} from "@low/functions"
import { CommandBus } from "../command-bus"
import type { AnyHandler } from "../executor"
import { Views, type Doc } from "../views"
import { CommandIdArg, decodeArgs } from "./arguments"

/** Time and fresh ids enter here, so the functions never read a clock or make an id. */
const envelopeFor = (commandId: string | undefined): Effect.Effect<Envelope> =>
  Effect.map(Clock.currentTimeMillis, (now) => ({
    commandId: commandId ?? randomUUID(),
    at: new Date(now).toISOString(),
    freshId: randomUUID()
  }))

/** A wallet id derived from the commandId, so that retrying an openWallet without an id opens nothing new. */
export const walletIdFor = (commandId: string) =>
  `w-${createHash("sha256").update(commandId).digest("base64url").slice(0, 40)}`

const view = (name: string, key: string) =>
  Effect.flatMap(Views, (views) => views.doc(name, key)).pipe(
    Effect.flatMap(Option.match({
      onSome: Effect.succeed,
      onNone: () => Effect.dieMessage(`${name}/${key} missing after its command was accepted`)
    }))
  )

/**
 * A route handler: validated arguments become a command, the command bus answers once it is written and
 * projected, and the mutation returns the entity's view.
 */
const route = <H extends AnyHandler>(
  handler: H,
  args: { readonly commandId?: string | null | undefined },
  command: (commandId: string | undefined) => Effect.Effect<Schema.Schema.Type<H["command"]>, import("../errors").BadInput>,
  result: (command: Schema.Schema.Type<H["command"]>) => readonly [view: string, key: string]
) =>
  Effect.gen(function* () {
    const { commandId } = yield* decodeArgs(CommandIdArg, { commandId: args.commandId })
    const decided = yield* command(commandId ?? undefined)
    const bus = yield* CommandBus
    yield* bus.send(handler, decided, yield* envelopeFor(commandId ?? undefined))
    return yield* view(...result(decided))
  })

interface WalletArgs { readonly walletId: unknown; readonly amount: unknown; readonly commandId?: string | null }

export const mutations = {
  openWallet: (args: { owner: unknown; id?: unknown; commandId?: string | null }): Effect.Effect<Doc, unknown, CommandBus | Views> =>
    route(walletHandler, args, (commandId) =>
      decodeArgs(OpenWallet, {
        _tag: "OpenWallet",
        owner: args.owner,
        walletId: args.id ?? (commandId === undefined ? randomUUID() : walletIdFor(commandId))
      }), (c) => [walletsView, c.walletId]),
  credit: (args: WalletArgs) =>
    route(walletHandler, args, () => decodeArgs(Credit, { _tag: "Credit", walletId: args.walletId, amount: args.amount }),
      (c) => [walletsView, c.walletId]),
  debit: (args: WalletArgs) =>
    route(walletHandler, args, () => decodeArgs(Debit, { _tag: "Debit", walletId: args.walletId, amount: args.amount }),
      (c) => [walletsView, c.walletId]),
  inviteCustomer: (args: { email: unknown; commandId?: string | null }) =>
    route(inviteHandler, args, () => decodeArgs(InviteCustomer, { _tag: "InviteCustomer", email: args.email }),
      (c) => [customersByEmailView, c.email])
}

export const WalletIdArg = Schema.Struct({ id: Inputs.Id })
export const EmailArg = Schema.Struct({ email: Inputs.Email })
