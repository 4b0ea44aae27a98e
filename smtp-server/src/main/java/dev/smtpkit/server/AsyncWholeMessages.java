package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** {@link AsyncMessageHandler#asFactory()}: each message read whole, then handed over for a later answer. */
final class AsyncWholeMessages implements SessionHandler.Factory, AcceptsEverything {

    private final AsyncMessageHandler handler;

    AsyncWholeMessages(AsyncMessageHandler handler) {
        this.handler = handler;
    }

    @Override
    public SessionHandler open(Connection connection) {
        return new Session(connection);
    }

    private final class Session implements AsyncMessages, AcceptsEverything {
        private final Connection connection;

        Session(Connection connection) {
            this.connection = connection;
        }

        @Override
        public CompletionStage<?> messageAsync(Envelope envelope, InputStream content) throws Exception {
            MemoryBudget memory = connection.memory();
            byte[] whole = memory.readWhole(content);
            CompletionStage<?> answer;
            try {
                answer = Objects.requireNonNull(handler.message(new ReceivedMessage(connection, envelope, whole)),
                        "AsyncMessageHandler.message() returned null");
            } catch (Exception | Error e) {
                memory.release(whole.length);
                throw e;
            }
            // The message stays in the budget until the application is done with it.
            return answer.whenComplete((done, failed) -> memory.release(whole.length));
        }
    }
}
