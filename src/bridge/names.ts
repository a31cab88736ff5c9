// Names bridges and the broker agree on (wire-visible, so they never change).

/** Client ids of bridges' local sessions start with this; no network client may use one. */
export const BRIDGE_CLIENT_PREFIX = '$bridge/';

/**
 * User property a bridge adds to each message it forwards (5.0): the node id of every broker that routed it. A broker
 * drops a message that names it (it routed it already), so brokers bridged to each other do not ping-pong.
 */
export const BRIDGE_VIA_PROPERTY = 'swiftlet-bridge-via';

/** User property of a bridge's CONNECT asking for the broker's node id, and of the CONNACK carrying it. */
export const BRIDGE_NODE_PROPERTY = 'swiftlet-node-id';
