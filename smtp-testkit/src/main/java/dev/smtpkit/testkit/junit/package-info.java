/**
 * JUnit 5 support for the testkit: {@link dev.smtpkit.testkit.junit.MailSinkExtension} starts a
 * {@link dev.smtpkit.testkit.MailSink} per test or per class and injects it;
 * {@link dev.smtpkit.testkit.junit.ScriptedServerExtension} does the same for a
 * {@link dev.smtpkit.testkit.ScriptedServer}, per test. This package needs
 * {@code org.junit.jupiter:junit-jupiter-api} (5.12 or later), which the testkit declares as
 * optional: a test suite that uses the extension has it already.
 */
package dev.smtpkit.testkit.junit;
