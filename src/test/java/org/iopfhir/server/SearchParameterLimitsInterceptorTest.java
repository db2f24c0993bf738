package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchParameterLimitsInterceptorTest {

    private final SearchParameterLimitsInterceptor limits = new SearchParameterLimitsInterceptor(3);

    @Test
    void upToTheLimitOfSortKeysPasses() {
        assertThatCode(() -> check(Map.of("_sort", new String[] {"name,-birthdate,_id"}, "name", new String[] {"x"})))
                .doesNotThrowAnyException();
        assertThatCode(() -> check(Map.of("name", new String[] {"x"}))).doesNotThrowAnyException();
    }

    @Test
    void moreSortKeysThanTheLimitAreABadRequest() {
        assertThatThrownBy(() -> check(Map.of("_sort", new String[] {"name,birthdate,gender,_id"})))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("at most 3");
    }

    @Test
    void keysAreCountedOverRepeatedAndDstu2StyleSortParameters() {
        Map<String, String[]> parameters = new LinkedHashMap<>();
        parameters.put("_sort", new String[] {"name", "birthdate"});
        parameters.put("_sort:desc", new String[] {"gender"});
        parameters.put("_sort:asc", new String[] {"_id"});

        assertThatThrownBy(() -> check(parameters)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void emptyKeysAreNotCounted() {
        assertThatCode(() -> check(Map.of("_sort", new String[] {"name,,birthdate,", ","})))
                .doesNotThrowAnyException();
    }

    @Test
    void aNegativeOffsetIsABadRequest() {
        assertThatThrownBy(() -> check(Map.of("_offset", new String[] {"-5"})))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("_offset");
        check(Map.of("_offset", new String[] {"0"}));
        check(Map.of("_offset", new String[] {"20"}));
    }

    @Test
    void aNulCharacterInAParameterIsABadRequest() {
        assertThatThrownBy(() -> check(Map.of("name", new String[] {"Ri\0vera"})))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void theLimitMustAllowSorting() {
        assertThatThrownBy(() -> new SearchParameterLimitsInterceptor(0)).hasMessageContaining("max-sort-keys");
    }

    private void check(Map<String, String[]> parameters) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setParameters(parameters);
        limits.checkParameters(request);
    }
}
