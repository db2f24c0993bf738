package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CurrentVersionsQueryTest {

    /** Few query texts (one per power of two), each list long enough for its ids. */
    @ParameterizedTest(name = "{0} ids -> {1} parameters")
    @CsvSource({"1, 1", "2, 2", "3, 4", "4, 4", "5, 8", "36, 64", "64, 64", "65, 128", "500, 512", "800, 1024"})
    void anIdListIsPaddedToTheNextPowerOfTwo(int ids, int parameters) {
        assertThat(CurrentVersionsQuery.paddedSize(ids)).isEqualTo(parameters);
        String jpql = CurrentVersionsQuery.jpql(parameters);
        assertThat(jpql).contains(":id" + (parameters - 1) + ")").doesNotContain(":id" + parameters);
    }
}
