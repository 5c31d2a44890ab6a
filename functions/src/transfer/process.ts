import type { ProcessManager } from "../protocol"
import type { WalletCommand } from "../wallet/commands"
import type { WalletEvent } from "../wallet/events"

/**
 * The saga of a transfer, one wallet at a time: once the source is debited, credit the destination; once the
 * destination took the money, tell the source it arrived; once the destination declined it, refund the source.
 * Every event it reads names the transfer and carries what the next step needs, so it keeps no state.
 */
export const transferProcess: ProcessManager<WalletEvent, WalletCommand> = {
  name: "transfer",
  reads: "wallet-events",
  writes: "wallet-commands",
  react: ({ event, version }) => {
    switch (event._tag) {
      case "TransferSent":
        return [
          {
            _tag: "ReceiveTransfer",
            walletId: event.toWalletId,
            transferId: event.transferId,
            fromWalletId: event.walletId,
            amount: event.amount
          }
        ]
      case "TransferReceived":
        return [
          {
            _tag: "CompleteTransfer",
            walletId: event.fromWalletId,
            transferId: event.transferId,
            toWalletId: event.walletId,
            amount: event.amount,
            credited: version
          }
        ]
      case "TransferDeclined":
        return [
          {
            _tag: "RefundTransfer",
            walletId: event.fromWalletId,
            transferId: event.transferId,
            toWalletId: event.walletId,
            amount: event.amount,
            reason: event.reason
          }
        ]
      default:
        return []
    }
  }
}
