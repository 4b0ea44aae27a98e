/**
 * The SMTP protocol of RFC 5321 without I/O: values, codecs and the two state machines.
 * It has no dependencies and never touches sockets, threads or clocks.
 */
module dev.smtpkit.core {
    exports dev.smtpkit.core;
    exports dev.smtpkit.core.codec;
    exports dev.smtpkit.core.server;
    exports dev.smtpkit.core.client;
}
