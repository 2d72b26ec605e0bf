/**
 * The Lua script of the alert store, in `lua/raise-alert.lua` (BullMQ's model: writes that
 * must happen together run in one script, whose file opens with its keys, arguments and
 * result). Raising an alert is a
 * check-and-set: "is there an alert with this key younger than the cooldown? then count this
 * one into it, else store a new one and mark it for delivery". Run atomically, two workers
 * raising the same alert at once store it once and send it once.
 *
 * The per-alert hash keys are built inside the script from a prefix (as `saveSnapshot` does
 * in the position store): this is for a single Redis node, not a cluster.
 */
import { Script } from '../persistence/scripts.js';

/** Stores an alert or counts it into the one of the same key within the cooldown (`lua/raise-alert.lua`). */
export const raiseAlert = Script.fromFile('raiseAlert', new URL('./lua/raise-alert.lua', import.meta.url));
