/** SMTP test tools: scripted conversations, stub endpoints, a mail sink and a recording proxy. */
package dev.smtpkit.testkit;
