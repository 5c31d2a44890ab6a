import { createHash, randomUUID } from "node:crypto"
import { type Clock, Context, Effect, Either, Option, Schema } from "effect"
import {
  customersByEmailView, Inputs, inviteHandler, InviteCustomer, OpenWallet, Credit, Debit, walletHandler, walletsView,
  type Envelope
} from "@low/functions"
import { CommandBus } from "@low/core"
import type { AnyHandler } from "@low/core"
import { Views, type Doc } from "@low/core"
import type { BadInput } from "@low/core"
import { decodeArgs, decodeCommandId } from "./arguments"

/** Time and fresh ids enter here, so the functions never read a clock or make an id. */
const envelopeFor = (clock: Clock.Clock, commandId: string | undefined): Envelope => ({
  commandId: commandId ?? randomUUID(),
  at: new Date(clock.unsafeCurrentTimeMillis()).toISOString(),
  freshId: randomUUID()
})

/** A wallet id derived from the commandId, so that retrying an openWallet without an id opens nothing new. */
export const walletIdFor = (commandId: string) =>
  `w-${createHash("sha256").update(commandId).digest("base64url").slice(0, 40)}`

const viewAfter = (views: Views["Type"], name: string, key: string) =>
  Effect.flatMap(views.doc(name, key), (found) =>
    Option.isSome(found) ? Effect.succeed(found.value) : Effect.dieMessage(`${name}/${key} missing after its command was accepted`))

/**
 * A route handler: validated arguments become a command, the command bus answers once it is written and
 * projected, and the mutation returns the entity's view.
 *
 * Every mutation comes this way, so it is written as few steps as it can be: arguments are decoded on the spot
 * (a bad one fails before any effect runs), and the clock and both services are read in two steps.
 */
const route = <H extends AnyHandler>(
  handler: H,
  args: { readonly commandId?: string | null | undefined },
  command: (commandId: string | undefined) => Either.Either<Schema.Schema.Type<H["command"]>, BadInput>,
  result: (command: Schema.Schema.Type<H["command"]>) => readonly [view: string, key: string]
): Effect.Effect<Doc, unknown, CommandBus | Views> => {
  const commandId = decodeCommandId(args.commandId)
  if (Either.isLeft(commandId)) return Effect.fail(commandId.left)
  const decided = command(commandId.right)
  if (Either.isLeft(decided)) return Effect.fail(decided.left)
  const [name, key] = result(decided.right)
  return Effect.clockWith((clock) =>
    Effect.contextWithEffect((services: Context.Context<CommandBus | Views>) =>
      Effect.zipRight(
        Context.get(services, CommandBus).send(handler, decided.right, envelopeFor(clock, commandId.right)),
        viewAfter(Context.get(services, Views), name, key)
      )))
}

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
