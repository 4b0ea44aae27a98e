/**
 * The testkit's helpers that its own modules share but users do not need; not exported, so that
 * they can change without notice.
 */
package dev.smtpkit.testkit.internal;
