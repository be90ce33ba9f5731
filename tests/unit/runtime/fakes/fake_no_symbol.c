/* A shared object that is not a Kiln artifact. */
__attribute__((visibility("default"))) int not_a_kiln_artifact = 1;
