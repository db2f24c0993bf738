package org.iopfhir.privacy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.iopfhir.privacy.auth.SmartScope.Context;
import org.iopfhir.privacy.auth.SmartScope.Permission;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmartScopeTest {

    @ParameterizedTest(name = "{0} -> {1} {2} {3} ({4})")
    @CsvSource(delimiter = '|', textBlock = """
            patient/*.rs           | PATIENT | *           | READ SEARCH                        | v2 read and search
            user/*.cruds           | USER    | *           | CREATE READ UPDATE DELETE SEARCH   | v2 everything
            system/Observation.rs  | SYSTEM  | Observation | READ SEARCH                        | v2 per resource type
            patient/Encounter.r    | PATIENT | Encounter   | READ                               | v2 a single permission
            user/Patient.cu        | USER    | Patient     | CREATE UPDATE                      | v2 writes without delete
            user/*.read            | USER    | *           | READ SEARCH                        | v1 read is v2 rs
            patient/Observation.write | PATIENT | Observation | CREATE UPDATE DELETE            | v1 write is v2 cud
            user/*.*               | USER    | *           | CREATE READ UPDATE DELETE SEARCH   | v1 wildcard
            """)
    void resourceScopesAreParsed(String scope, Context context, String type, String permissions, String why) {
        SmartScope parsed = SmartScope.parse(scope).orElseThrow();

        assertThat(parsed.context()).isEqualTo(context);
        assertThat(parsed.resourceType()).isEqualTo(type);
        assertThat(parsed.permissions()).containsExactlyInAnyOrderElementsOf(
                Set.of(permissions.split(" ")).stream().map(Permission::valueOf).toList());
    }

    @ParameterizedTest(name = "{0} is no resource scope ({1})")
    @CsvSource(delimiter = '|', textBlock = """
            openid                        | OpenID Connect
            launch/patient                | launch context request
            fhirUser                      | identity request
            patient/*.sr                  | v2 letters out of order
            patient/*.rrs                 | v2 letter repeated
            patient/*.x                   | unknown permission
            admin/*.rs                    | unknown context
            patient/Observation.rs?category=laboratory | constrained scopes are not granted (safe reading)
            patient/*.                    | no permissions
            """)
    void otherScopesGrantNothing(String scope, String why) {
        assertThat(SmartScope.parse(scope)).isEqualTo(Optional.empty());
    }
}
