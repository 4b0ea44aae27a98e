/**
 * A mail catcher on top of the smtpkit server: a folder that never shows half a message, a log
 * of every SMTP session, and a web inbox with a REST API on Mailpit's v1 paths.
 */
package dev.smtpkit.inbox;
