import type { EventHandler, Projector } from "./protocol"
export * from "./protocol"
export * from "./ports"
export * from "./write"
export * as Inputs from "./inputs"
export * from "./wallet/commands"
export * from "./wallet/events"
export * from "./wallet/rejections"
export { WalletState, evolve, fold, maxBalance, streamOf as walletStream } from "./wallet/state"
export { walletHandler, operate as operateWallet, type WalletLookup } from "./wallet/handler"
export * from "./wallet/projectors"
export {
  InviteCustomer, CustomerInvited, AlreadyInvited, CustomerState, emailIndex, customersView, customersByEmailView,
  operate as operateInvite, inviteHandler, customerProjector, type InviteLookup
} from "./invite-customer/invite"

import { balanceProjector, transactionsProjector } from "./wallet/projectors"
import { walletHandler as wallet_ } from "./wallet/handler"
import { customerProjector as customers_, inviteHandler as invite_ } from "./invite-customer/invite"

/** A domain as a deployment registers it: its event handlers and its projectors. */
export interface Domain {
  readonly name: string
  readonly handlers: ReadonlyArray<EventHandler<any, any, any, any>>
  readonly projectors: ReadonlyArray<Projector<any>>
}

export const wallet: Domain = { name: "wallet", handlers: [wallet_], projectors: [balanceProjector, transactionsProjector] }
export const inviteCustomer: Domain = { name: "invite-customer", handlers: [invite_], projectors: [customers_] }
