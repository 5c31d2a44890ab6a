export * from "./protocol"
export * from "./ports"
export * from "./write"
export * from "./domain"
export * as Inputs from "./inputs"
export * from "./wallet/commands"
export * from "./wallet/events"
export * from "./wallet/rejections"
export { WalletState, evolve, fold, maxBalance, streamOf as walletStream } from "./wallet/state"
export { walletHandler, operate as operateWallet, type WalletLookup } from "./wallet/handler"
export * from "./wallet/projectors"
export { wallet } from "./wallet"
export {
  InviteCustomer,
  CustomerInvited,
  AlreadyInvited,
  CustomerState,
  emailIndex,
  customersView,
  customersByEmailView,
  operate as operateInvite,
  inviteHandler,
  customerProjector,
  type InviteLookup
} from "./invite-customer/invite"
export { inviteCustomer } from "./invite-customer"
export * from "./wallet/transfers"
export { transferProcess } from "./transfer/process"
export { transferProjector, transfersView } from "./transfer/view"
export { transfer } from "./transfer"
