/**
 * The peer filter hook of the gossipsub automaton (Octez `parameters`): the
 * application may refuse, per peer, an advertised IHave id, an IWant request
 * or a Graft. The DAL and the Octez tests accept everything.
 *
 * @module
 */

/** What a peer asks for when the {@linkcode PeerFilter} hook is consulted. */
export type PeerFilterAction<I> =
  | { readonly kind: "IHave"; readonly messageId: I }
  | { readonly kind: "IWant"; readonly messageId: I }
  | { readonly kind: "Graft" };

/**
 * The Octez `parameters.peer_filter` hook: returning false drops an advertised
 * IHave id, ignores an IWant id, or rejects a Graft (`Peer_filtered`).
 */
export type PeerFilter<P, I> = (peer: P, action: PeerFilterAction<I>) => boolean;

/** The default filter: accept every peer and action, as the DAL does. */
export function acceptAllPeers(): boolean {
  return true;
}
