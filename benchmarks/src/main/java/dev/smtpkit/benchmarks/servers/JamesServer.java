package dev.smtpkit.benchmarks.servers;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.apache.james.protocols.netty.NettyServer;
import org.apache.james.protocols.smtp.MailEnvelope;
import org.apache.james.protocols.smtp.SMTPConfigurationImpl;
import org.apache.james.protocols.smtp.SMTPProtocol;
import org.apache.james.protocols.smtp.SMTPProtocolHandlerChain;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.MessageHook;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.reactivestreams.Publisher;

/**
 * Apache James protocols-smtp on protocols-netty, embedded as its own tests do: the default
 * handler chain, a recipient hook that accepts everyone and a message hook that reads the
 * message and drops it. James wants a metric factory; this one counts nothing.
 */
public final class JamesServer {

    private JamesServer() {
    }

    public static void main(String[] args) throws Exception {
        RcptHook acceptAll = new RcptHook() {
            @Override
            public HookResult doRcpt(SMTPSession session, org.apache.james.core.MaybeSender sender,
                    org.apache.james.core.MailAddress rcpt) {
                return HookResult.OK;
            }
        };
        MessageHook drop = (SMTPSession session, MailEnvelope mail) -> {
            try (InputStream in = mail.getMessageInputStream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                return HookResult.DENYSOFT;
            }
            return HookResult.OK;
        };
        SMTPConfigurationImpl config = new SMTPConfigurationImpl();
        SMTPProtocol protocol = new SMTPProtocol(new SMTPProtocolHandlerChain(new NoMetrics(), acceptAll, drop), config);
        NettyServer server = new NettyServer.Factory().protocol(protocol).build();
        server.setListenAddresses(new InetSocketAddress("127.0.0.1", ServerMain.port(args)));
        server.setBacklog(4096);
        server.setMaxConcurrentConnections(20_000);
        server.setMaxConcurrentConnectionsPerIP(20_000);
        server.bind();
        ServerMain.ready();
        server.unbind();
    }

    private static final class NoMetrics implements MetricFactory {
        private static final Metric METRIC = new Metric() {
            @Override
            public void increment() {
            }

            @Override
            public void decrement() {
            }

            @Override
            public void add(int value) {
            }

            @Override
            public void remove(int value) {
            }

            @Override
            public long getCount() {
                return 0;
            }
        };

        @Override
        public Metric generate(String name) {
            return METRIC;
        }

        @Override
        public TimeMetric timer(String name) {
            return new TimeMetric() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public ExecutionResult stopAndPublish() {
                    return new ExecutionResult() {
                        @Override
                        public java.time.Duration elasped() {
                            return java.time.Duration.ZERO;
                        }

                        @Override
                        public ExecutionResult logWhenExceedP99(java.time.Duration threshold) {
                            return this;
                        }
                    };
                }
            };
        }

        @Override
        public <T> Publisher<T> decoratePublisherWithTimerMetric(String name, Publisher<T> publisher) {
            return publisher;
        }

        @Override
        public <T> Publisher<T> decoratePublisherWithTimerMetricLogP99(String name, Publisher<T> publisher) {
            return publisher;
        }
    }
}
