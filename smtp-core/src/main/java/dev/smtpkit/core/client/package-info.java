/** The sans-IO client state machine of RFC 5321 §3 and RFC 2920: fed replies, it returns the commands and data to write and a result per command. */
package dev.smtpkit.core.client;
