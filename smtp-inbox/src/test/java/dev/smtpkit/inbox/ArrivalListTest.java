package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArrivalListTest {

    @Test
    void behavesAsAnArrayListUnderRandomAppendsExpiriesAndRemovals() {
        Random random = new Random(2026);
        for (int run = 0; run < 50; run++) {
            ArrivalList<Integer> ring = new ArrivalList<>();
            List<Integer> model = new ArrayList<>();
            int next = 0;
            for (int step = 0; step < 2_000; step++) {
                int op = random.nextInt(100);
                if (op < 55) {
                    ring.add(next);
                    model.add(next++);
                } else if (op < 90) {
                    if (model.isEmpty()) {
                        assertThatThrownBy(ring::removeFirst).isInstanceOf(NoSuchElementException.class);
                    } else {
                        assertThat(ring.removeFirst()).isEqualTo(model.remove(0));
                    }
                } else if (op < 98) {
                    int mod = 2 + random.nextInt(5);
                    assertThat(ring.removeIf(i -> i % mod == 0)).isEqualTo(model.removeIf(i -> i % mod == 0));
                } else {
                    ring.clear();
                    model.clear();
                }
                assertThat(ring).hasSize(model.size());
                if (!model.isEmpty()) {
                    int i = random.nextInt(model.size());
                    assertThat(ring.get(i)).isEqualTo(model.get(i));
                }
            }
            assertThat(ring).containsExactlyElementsOf(model);
        }
    }

    @Test
    void keepsOrderAcrossWrapAroundAndGrowth() {
        ArrivalList<Integer> ring = new ArrivalList<>();
        for (int i = 0; i < 12; i++) {
            ring.add(i);
        }
        for (int i = 0; i < 10; i++) {
            ring.removeFirst();
        }
        // The next ones wrap around the end of the array, then make it grow with the front mid-array.
        for (int i = 12; i < 40; i++) {
            ring.add(i);
        }
        assertThat(ring).containsExactlyElementsOf(java.util.stream.IntStream.range(10, 40).boxed().toList());
        assertThatThrownBy(() -> ring.get(30)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
