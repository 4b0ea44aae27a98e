/** The SMTP value model of RFC 5321: commands, paths, parameters, replies and extensions, immutable and valid by construction. */
package dev.smtpkit.core;
