package dev.smtpkit.server;

/**
 * Marks the library's own handlers and factories that accept every client, sender and
 * recipient without running application code ({@link MessageHandler#asFactory()}): the driver
 * answers those decisions itself, with no call on the executor, and calls the application only
 * for the message.
 */
interface AcceptsEverything {
}
