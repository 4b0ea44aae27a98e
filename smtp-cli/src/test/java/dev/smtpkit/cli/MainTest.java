package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MainTest {

    @ParameterizedTest
    @ValueSource(strings = {"catch", "sink", "proxy", "send", "play"})
    void everyCommandHasHelp(String command) throws Exception {
        Cli c = Cli.run(command, "--help");
        assertThat(c.exitCode()).isZero();
        assertThat(c.out()).contains("Usage: smtpkit " + command, "-h, --help");
        assertThat(c.err()).isEmpty();
    }

    @Test
    void topLevelHelpListsTheCommands() throws Exception {
        Cli c = Cli.run("--help");
        assertThat(c.exitCode()).isZero();
        assertThat(c.out()).contains("catch ", "sink ", "proxy ", "send ", "play ");
    }

    @Test
    void noCommandIsAUsageError() throws Exception {
        Cli.run().assertOneLineError(2, "smtpkit: missing a command");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "frobnicate                                      | Unmatched argument at index 0: 'frobnicate'",
        "catch --port x                                  | smtpkit catch: Invalid value for option '--port': 'x' is not an int",
        "catch --port 70000                              | smtpkit catch: --port must be 0 to 65535: 70000",
        "catch --helo-policy maybe                       | expected strict or lenient, got 'maybe'",
        "catch --bare-lf sometimes                       | expected reject or accept, got 'sometimes'",
        "catch --max-message-size 10X                    | '10X' is not a size",
        "catch --unknown                                 | Unknown option: '--unknown'",
        "sink --max-recipients 0                         | --max-recipients must be at least 1",
        "catch --backlog 0                               | --backlog must be at least 1",
        "catch --max-connections -1                      | --max-connections must be at least 1",
        "send --rcpt b@example.org                       | Missing required option: '--from=ADDRESS'",
        "send --from a@example.com --rcpt bad@@address   | 'bad@@address' is not a mailbox",
        "send --from a@example.com --rcpt b@x --pipelining maybe | expected on or off",
        "send --from a@example.com --rcpt b@x --to [::1  | --to: expected [ADDRESS]:PORT",
        "send --from a@example.com --rcpt b@x --count 0  | --count must be at least 1",
        "send --from a@example.com --rcpt b@x --insecure | --insecure only makes sense with --tls or --tls-on-connect",
        "send --from a@example.com --rcpt b@x --tls --tls-on-connect | --tls and --tls-on-connect exclude each other",
        "send --from a@example.com --rcpt b@x --helo a..b | --helo: not a domain or address literal",
        "send --from a@example.com --rcpt b@x --to 127.0.0.1:0 | --to: port must be 1 to 65535",
        "catch --auth alice                              | --auth: expected USER:PASSWORD, got 'alice'",
        "catch --auth a:1 --auth a:2 --auth-plaintext    | --auth: user 'a' is given twice",
        "catch --auth a:b                                | --auth without TLS would never be offered (RFC 4954 §4): add --tls, or --auth-plaintext",
        "catch --auth-required                           | --auth-required needs --auth USER:PASSWORD",
        "sink --auth-plaintext                           | --auth-plaintext needs --auth USER:PASSWORD",
        "catch --auth a:b --tls --auth-mechanisms PLAIN,SCRAM | expected PLAIN, LOGIN or CRAM-MD5, got 'SCRAM'",
        "catch --auth a:b --tls --auth-mechanisms XOAUTH2 | XOAUTH2 needs a token check",
        "catch --implicit-tls-port 70000                 | --implicit-tls-port must be 0 to 65535: 70000",
        "catch --proxy-protocol 10.0.0.0/33              | prefix length must be 0 to 32",
        "sink --xclient nonsense                         | not an IPv4 or IPv6 network",
        "send --from a@example.com --rcpt b@x --auth bob | --auth needs USER:PASSWORD",
        "proxy --to 127.0.0.1:25                         | Missing required option: '--listen=[HOST:]PORT'",
    })
    void badArgumentsGiveOneLineAndExitTwo(String args, String message) throws Exception {
        Cli c = Cli.run(args.trim().split(" +"));
        c.assertOneLineError(2, message.trim());
        assertThat(c.err()).contains("--help");
    }

    @Test
    void versionComesFromTheBuild() throws Exception {
        Cli c = Cli.run("--version");
        assertThat(c.exitCode()).isZero();
        assertThat(c.out()).startsWith("smtpkit ");
    }
}
