/** The sans-IO server state machine of RFC 5321 §3 and §4.1.4: fed bytes, it returns replies to write and events for the application. */
package dev.smtpkit.core.server;
