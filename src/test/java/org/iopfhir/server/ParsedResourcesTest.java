package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTablePk;
import ca.uhn.fhir.jpa.model.entity.ResourceTag;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.jpa.model.entity.TagTypeEnum;
import ca.uhn.fhir.model.primitive.InstantDt;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class ParsedResourcesTest {

    private final ParsedResources parsed = cache(DataSize.ofMegabytes(1));

    private static ParsedResources cache(DataSize size) {
        return new ParsedResources(new IopServerProperties("", 20, 500, DataSize.ofMegabytes(64), List.of(), 3,
                Duration.ofSeconds(30), size, Duration.ofSeconds(5)), new SimpleMeterRegistry());
    }

    private static ResourceHistoryTable version(long row, ResourceEncodingEnum encoding, Date deleted) {
        ResourceHistoryTable version = mock(ResourceHistoryTable.class);
        ResourceHistoryTablePk id = mock(ResourceHistoryTablePk.class);
        when(id.getId()).thenReturn(row);
        when(version.getId()).thenReturn(id);
        when(version.getEncoding()).thenReturn(encoding);
        when(version.getDeleted()).thenReturn(deleted);
        when(version.getResourceType()).thenReturn("Observation");
        when(version.getResourceTextVc()).thenReturn("{\"resourceType\":\"Observation\"}");
        when(version.getUpdated()).thenReturn(new InstantDt(new Date(1_700_000_000_000L)));
        when(version.getResourceId()).thenAnswer(i -> JpaPid.fromId(row * 10));
        when(version.getVersion()).thenReturn(1L);
        return version;
    }

    private static ResourceHistoryTable version(long row) {
        return version(row, ResourceEncodingEnum.JSON, null);
    }

    private static List<BaseTag> labels(String... codes) {
        return List.of(codes).stream().<BaseTag>map(code -> {
            ResourceTag tag = new ResourceTag();
            tag.setTag(new TagDefinition(TagTypeEnum.SECURITY_LABEL, "http://terminology.hl7.org/CodeSystem/v3-ActCode", code, null));
            return tag;
        }).toList();
    }

    private static Observation built() {
        Observation observation = new Observation();
        observation.setId("Observation/o1/_history/1");
        observation.getCode().setText("Blood pressure");
        observation.setUserData("hapi-row-id", 42L);
        return observation;
    }

    @Test
    void aKeptVersionIsHandedOutAsACopyWithHapisUserDataAndNoOneCanChangeWhatIsKept() {
        ResourceHistoryTable version = version(7);
        ParsedResources.Key key = parsed.keyOf(version, version, labels(), false);
        parsed.keep(key, built());

        Observation first = (Observation) parsed.find(key, version);
        first.getCode().setText("changed by one request");
        first.setUserData("hapi-row-id", 99L);
        Observation second = (Observation) parsed.find(key, version);

        assertThat(second).isNotSameAs(first);
        assertThat(second.getCode().getText()).isEqualTo("Blood pressure");
        assertThat(second.getUserData("hapi-row-id")).isEqualTo(42L);
        assertThat(IDao.RESOURCE_PID.get(second)).isEqualTo(JpaPid.fromId(70L)).isNotSameAs(IDao.RESOURCE_PID.get(first));
        assertThat(second.getIdElement().getVersionIdPart()).isEqualTo("1");
    }

    @Test
    void whatTheVersionIsBuiltFromIsInTheKey() {
        ResourceHistoryTable version = version(7);
        ParsedResources.Key unlabelled = parsed.keyOf(version, version, labels(), false);
        parsed.keep(unlabelled, built());

        assertThat(parsed.find(parsed.keyOf(version, version, labels(), false), version)).isNotNull();
        assertThat(parsed.find(parsed.keyOf(version, version, labels("SUD"), false), version))
                .as("a label added without a new version").isNull();
        assertThat(parsed.find(parsed.keyOf(version, version, labels(), true), version)).as("for a history page").isNull();
        assertThat(parsed.find(parsed.keyOf(version(8), version(8), labels(), false), version)).as("another version row").isNull();
        assertThat(parsed.keyOf(version, version, labels("SUD", "R"), false))
                .isEqualTo(parsed.keyOf(version, version, labels("R", "SUD"), false));
    }

    @Test
    void aVersionRowRewrittenInPlaceGetsAnotherKey() {
        ResourceHistoryTable version = version(7);
        ParsedResources.Key before = parsed.keyOf(version, version, labels(), false);
        when(version.getResourceTextVc()).thenReturn("{\"resourceType\":\"Observation\",\"status\":\"final\"}");

        assertThat(parsed.keyOf(version, version, labels(), false)).isNotEqualTo(before);
    }

    @Test
    void aCopysReferencesToContainedResourcesPointAtItsOwn() {
        ResourceHistoryTable version = version(7);
        ParsedResources.Key key = parsed.keyOf(version, version, labels(), false);
        Observation observation = built();
        Practitioner performer = new Practitioner();
        performer.setId("p1");
        observation.addContained(performer);
        Reference reference = new Reference("#p1");
        reference.setResource(performer);
        observation.addPerformer(reference);
        parsed.keep(key, observation);

        Observation copy = (Observation) parsed.find(key, version);

        assertThat(copy.getPerformerFirstRep().getResource()).isSameAs(copy.getContained().get(0)).isNotSameAs(performer);
    }

    @Test
    void deletedAndExternallyStoredVersionsAreNotKeptNorAnythingWhenTurnedOff() {
        ResourceHistoryTable deleted = version(7, ResourceEncodingEnum.JSON, new Date());
        ResourceHistoryTable deletion = version(8, ResourceEncodingEnum.DEL, null);
        ResourceHistoryTable external = version(9, ResourceEncodingEnum.ESR, null);

        assertThat(parsed.keyOf(deleted, deleted, labels(), false)).isNull();
        assertThat(parsed.keyOf(deletion, deletion, labels(), false)).isNull();
        assertThat(parsed.keyOf(external, external, labels(), false)).isNull();
        assertThat(cache(DataSize.ofBytes(0)).keyOf(version(7), version(7), labels(), false)).isNull();
        parsed.keep(null, built());
        assertThat(parsed.find(null, deleted)).isNull();
        ResourceTag orphan = new ResourceTag();
        assertThat(parsed.keyOf(version(7), version(7), List.of(orphan), false)).as("a tag whose definition is gone").isNull();
    }

    @Test
    void aVersionWeighsTheHeapItsParsedFormTakesAndCompressedRowsAreNotKept() {
        ResourceHistoryTable version = version(7);
        String json = "{\"resourceType\":\"Observation\",\"note\":[{\"text\":\"" + "x".repeat(100_000) + "\"}]}";
        when(version.getResourceTextVc()).thenReturn(json);
        ResourceHistoryTable uncompressed = version(8);
        when(uncompressed.getResourceTextVc()).thenReturn(null);
        when(uncompressed.getResource()).thenReturn(json.getBytes(StandardCharsets.UTF_8));
        ResourceHistoryTable compressed = version(9, ResourceEncodingEnum.JSONC, null);
        when(compressed.getResourceTextVc()).thenReturn(null);
        when(compressed.getResource()).thenReturn(new byte[] {31, -117, 8, 0});

        assertThat(parsed.keyOf(version, version, labels(), false).weight())
                .isGreaterThanOrEqualTo(ParsedResources.HEAP_PER_JSON_CHAR * json.length())
                .isLessThan(ParsedResources.HEAP_PER_JSON_CHAR * json.length() + 1024);
        assertThat(parsed.keyOf(uncompressed, uncompressed, labels(), false).weight())
                .isEqualTo(parsed.keyOf(version, version, labels(), false).weight());
        assertThat(parsed.keyOf(compressed, compressed, labels(), false)).isNull();
    }
}
