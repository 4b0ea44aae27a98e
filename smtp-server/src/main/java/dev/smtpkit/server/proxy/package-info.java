/**
 * Learning the real client behind a proxy: the HAProxy PROXY protocol (v1 text, v2 binary),
 * Postfix's XCLIENT command, and the trusted networks allowed to use either.
 */
package dev.smtpkit.server.proxy;
