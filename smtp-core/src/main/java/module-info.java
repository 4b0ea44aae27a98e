/**
 * The SMTP protocol of RFC 5321 without I/O: values and the two state machines.
 * It has no dependencies and never touches sockets, threads or clocks.
 */
@SuppressWarnings("module") // the qualified export names modules built after this one
module dev.smtpkit.core {
    exports dev.smtpkit.core;
    exports dev.smtpkit.core.server;
    exports dev.smtpkit.core.client;
    // The codecs and xtext: wire plumbing for smtpkit's own transports and test tools, not API.
    exports dev.smtpkit.core.internal to dev.smtpkit.server, dev.smtpkit.client, dev.smtpkit.testkit;
}
