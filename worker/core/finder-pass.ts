/**
 * Set (to "true") in the environment of the finder's pass at stack creation: that pass lists whatever the queue holds.
 * The plugin template sets it on its first run; `dth finder` reads it.
 */
export const FIRST_PASS_ENV = 'DTH_FIRST_PASS';
